-- 1.2.0: a plan per account.
alter table accounts add column plan text not null default 'free';
