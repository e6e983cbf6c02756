-- 1.11.0: a quantity per order.
alter table orders add column quantity integer not null default 1;
