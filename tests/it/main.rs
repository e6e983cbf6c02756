mod check;
mod docker;
mod journal;
mod mask;
mod report;
mod resume;
mod run;
mod tmux;
