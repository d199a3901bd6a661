#SYMVER crc_missing 0x1
savedcmd_crcexp.o := gcc
#SYMVER crc_plain 0x6a7b8c9d
#SYMVER crc_gpl 3735928559
#SYMVER crc_value 017777777777
#SYMVER crc_missing zz
#SYMVER crc_missing 0x12 trailing
#SYMVER crc_missing 0x
#SYMVER crc_missing 08
#SYMVER orphan_symbol 0x1
#SYMVER .crc_value 0x0000abcd
#SYMVER crc_plain 0x123456789
#SYMVER crc_gpl 99999999999999999999999
#SYMVER crc_missing 0x77