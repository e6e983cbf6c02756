-- 1.5.0: multi-currency invoices (the build that is rolled back in the tests).
alter table invoices add column currency text not null default 'EUR';
create index invoices_currency on invoices (currency);
