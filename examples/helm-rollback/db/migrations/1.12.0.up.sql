-- 1.12.0: order events.
create table order_events (order_id integer not null references orders (id), kind text not null);
