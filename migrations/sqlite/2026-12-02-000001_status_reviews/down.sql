DROP TABLE status_reviews;
DROP TABLE checklist_items;
