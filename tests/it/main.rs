mod check;
mod journal;
mod mask;
mod resume;
mod run;
mod tmux;
