mod calendar;
