export { teardown as default } from './postgres-global.js';
