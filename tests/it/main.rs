mod check;
mod gates;
mod journal;
mod resume;
mod run;
