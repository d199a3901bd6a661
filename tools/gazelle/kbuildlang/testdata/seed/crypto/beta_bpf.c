int beta_bpf;
