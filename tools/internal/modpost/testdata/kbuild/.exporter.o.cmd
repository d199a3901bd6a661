#SYMVER exporter_add 0x00000001
#SYMVER exporter_counter 0x11111111
#SYMVER exporter_table 0x22222222
#SYMVER exporter_weak 0x33333333
#SYMVER exporter_friends_only 0x44444444
