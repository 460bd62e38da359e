DROP TABLE figure_histograms;
