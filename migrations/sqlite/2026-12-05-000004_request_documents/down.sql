DROP TABLE request_documents;
