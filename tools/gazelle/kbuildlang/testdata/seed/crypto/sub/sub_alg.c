int sub_alg;
