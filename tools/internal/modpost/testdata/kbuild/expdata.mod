./expdata.o
