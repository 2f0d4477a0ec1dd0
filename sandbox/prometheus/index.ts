export { startPrometheusEmulator, type PrometheusEmulator, type PrometheusEmulatorOptions, type RecordedQuery } from './start-prometheus-emulator.js';
export { formatSampleValue } from './format-sample-value.js';
export type { PrometheusErrorType, QueryResult, SampleValue } from './query-result.js';
export type { RangeSeries } from './range-query.js';
