int wp;
