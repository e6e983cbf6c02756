-- 1.4.1: invoices.
create table invoices (
    id serial primary key,
    number text not null unique,
    amount_cents bigint not null
);
insert into invoices (number, amount_cents) values ('INV-1001', 12000), ('INV-1002', 4550);
