drop table order_events;
