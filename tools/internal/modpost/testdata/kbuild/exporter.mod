./exporter.o
