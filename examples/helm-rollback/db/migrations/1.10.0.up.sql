-- 1.10.0: orders.
create table orders (id serial primary key, sku text not null);
insert into orders (sku) values ('SKU-1'), ('SKU-2');
