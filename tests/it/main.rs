mod check;
mod journal;
mod resume;
mod run;
