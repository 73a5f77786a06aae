// jest.config.js, project "postgres": the end-to-end suite again, with every server on PostgreSQL.
process.env.SAFECALL_TEST_STORE = 'postgres';
