int beta_proc;
