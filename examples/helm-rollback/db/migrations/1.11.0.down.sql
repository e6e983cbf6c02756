alter table orders drop column quantity;
