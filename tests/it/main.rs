mod journal;
mod run;
