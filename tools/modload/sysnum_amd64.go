package main

const (
	sysFinitModule = 313
	sysInitModule  = 175
)
