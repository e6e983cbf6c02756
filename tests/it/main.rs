mod journal;
mod resume;
mod run;
