-- The flag is derived; what it was before cannot be told from it, so nothing is undone.
SELECT 1;
