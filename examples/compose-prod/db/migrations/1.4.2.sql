-- 1.4.2: invoices get a due date (30 days by default).
alter table invoices add column due_date date;
update invoices set due_date = current_date + 30;
