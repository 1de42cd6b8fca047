/**
 * The pure Delta protocol model: actions, schema, table features, log file names, partition
 * values, paths, statistics, deletion vectors, column mapping, table properties and the small
 * files of the log. No I/O; runs in any JavaScript runtime.
 */

export type * from './actions.js'
export { ACTION_NAMES } from './actions.js'
export { type Where, parseAction, parseCommitLines, serializeActions } from './action-parser.js'
export {
  parseAdd,
  parseCdc,
  parseCheckpointMetadata,
  parseCommitInfo,
  parseDeletionVector,
  parseDomainMetadata,
  parseMetadata,
  parseProtocol,
  parseRemove,
  parseSidecar,
  parseTxn,
} from './action-validation.js'
export {
  type ArrayType,
  type AtomicType,
  type DataType,
  type DecimalType,
  type FieldLookupOptions,
  type LeafColumn,
  type MapType,
  type PrimitiveType,
  type PrimitiveTypeName,
  type StructField,
  type StructType,
  MAX_DECIMAL_PRECISION,
  PRIMITIVE_TYPE_NAMES,
  checkNoDuplicateFieldNames,
  containsType,
  dataTypeToJson,
  decimal,
  duplicateFieldNames,
  findField,
  leafColumns,
  parseDataType,
  parseSchema,
  primitive,
  serializeSchema,
  someField,
} from './schema.js'
export { type JsonValue, parseJsonExact, stringifyJson } from './json-tree.js'
export {
  type FeatureKind,
  type TableFeature,
  TABLE_FEATURES,
  canonicalFeatureName,
  featureMinVersions,
  isFeatureActive,
  isFeatureSupported,
  legacyImpliedFeatures,
  readerSupportedFeatures,
  supportedFeatures,
  tableFeature,
  withRequiredFeatures,
} from './features.js'
export {
  type WriteSupport,
  MAX_READER_VERSION,
  MAX_WRITER_VERSION,
  READER_FEATURES_SUPPORTED,
  WRITER_FEATURES_SUPPORTED,
  checkReadSupport,
  checkWriteSupport,
  minimalProtocol,
  protocolProblems,
} from './protocol-check.js'
export {
  type CheckpointFile,
  type LogFile,
  LAST_CHECKPOINT_NAME,
  SIDECARS_DIR,
  STAGED_COMMITS_DIR,
  commitFileName,
  formatLogFileName,
  formatVersion,
  parseLogFileName,
} from './log-files.js'
export { type DecimalValue, formatDecimal, parseDecimalText, rescaleDecimal } from './decimal.js'
export {
  type ParsedTimestamp,
  formatDate,
  formatTimestampMicros,
  parseDate,
  parseTimestamp,
} from './datetime.js'
export {
  type PartitionValue,
  formatJavaDouble,
  formatJavaFloat,
  parsePartitionValue,
  serializePartitionValue,
} from './partition-values.js'
export {
  HIVE_DEFAULT_PARTITION,
  escapePartitionPathComponent,
  partitionDirectory,
  unescapePartitionPathComponent,
} from './partition-path.js'
export { type LogPathTarget, decodeLogPath, encodeLogPath, keyWithinRoot } from './file-paths.js'
export {
  type FileStats,
  type StatsTree,
  TIMESTAMP_STATS_SLACK_MICROS,
  fileStats,
  maxValueOf,
  minValueOf,
  nullCountOf,
  parseStats,
  statsValue,
  typedStat,
} from './stats.js'
export {
  type ColumnStats,
  type StatsInput,
  DEFAULT_STRING_PREFIX_LENGTH,
  serializeStats,
  truncateMaxString,
  truncateMinString,
} from './stats-builder.js'
export { decodeUuidZ85, encodeUuidZ85, z85Decode, z85Encode } from './z85.js'
export { crc32 } from './crc32.js'
export {
  type RowIndexSet,
  NATIVE_MAGIC,
  PORTABLE_MAGIC,
  parseRoaringBitmapArray,
  rowIndexSetOf,
  serializeRoaringBitmapArray,
  unionRowIndexSets,
} from './roaring-bitmap-array.js'
export {
  type StoredDvEntry,
  DV_FILE_VERSION,
  dvByteRange,
  dvFileLocation,
  dvUniqueId,
  inlineDeletionVector,
  parseDeletionVectorFile,
  parseInlineDeletionVector,
  parseStoredDeletionVector,
  relativeDvPath,
  serializeDeletionVectorFile,
} from './deletion-vector.js'
export {
  type ColumnMappingAssignment,
  COLUMN_MAPPING_ID_KEY,
  COLUMN_MAPPING_MAX_ID_KEY,
  COLUMN_MAPPING_PHYSICAL_NAME_KEY,
  PARQUET_FIELD_ID_KEY,
  assignColumnMapping,
  columnMappingMode,
  fieldId,
  physicalName,
  physicalNamesByLogical,
  physicalPath,
  physicalSchema,
} from './column-mapping.js'
export {
  type CheckpointPolicy,
  type ColumnMappingMode,
  type CompressionCodec,
  type IsolationLevel,
  type TablePropertyDescriptor,
  TABLE_PROPERTIES,
  checkConstraints,
  featureOverrides,
  parseBooleanProperty,
  parseColumnList,
  parseColumnPath,
  parseIntegerProperty,
  parseIntervalMs,
  tableProperty,
} from './table-properties.js'
export {
  type LastCheckpoint,
  type LastCheckpointV2,
  lastCheckpointChecksum,
  parseLastCheckpoint,
  serializeLastCheckpoint,
} from './last-checkpoint.js'
export {
  type DeletedRecordCountsHistogram,
  type FileSizeHistogram,
  type VersionChecksum,
  parseVersionChecksum,
  serializeVersionChecksum,
} from './version-checksum.js'
