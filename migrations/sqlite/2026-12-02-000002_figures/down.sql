DROP TABLE figures;
