-- 1.1.0: accounts.
create table accounts (id serial primary key, email text not null unique);
insert into accounts (email) values ('ada@example.invalid'), ('grace@example.invalid');
