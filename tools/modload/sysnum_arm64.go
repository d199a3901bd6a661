package main

const (
	sysFinitModule = 273
	sysInitModule  = 105
)
