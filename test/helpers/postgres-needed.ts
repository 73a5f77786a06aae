// jest.config.js, project "postgres": every test of it needs the PostgreSQL server (scripts/test-deps.mjs).
import { needs } from './system-deps.js';

needs('postgres');
