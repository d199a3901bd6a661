package main

const sysFinitModule = 273
