int delta;
