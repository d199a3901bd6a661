int always;
