/**
 * The DM tree: nodes, run-time properties, ACLs, URIs, `?prop=` / `?list=`,
 * TNDS, MO descriptions, Atomic, live values and Exec handlers, and the
 * `TreeStore` persistence port (shared/spec/oma-dm-facts.md §5).
 *
 * Pure except `FileTreeStore` (file-store.ts), the layer's only I/O.
 */
export type { AtomicScope, ExecOutcome, GetOutcome, ManagementTree, NodeWrite, TreeOutcome } from './management-tree.js';
export { DmTree, type NodeInit, type NodeInfo } from './dm-tree.js';
export { DEFAULT_ROOT_ACL, type DmTreeOptions } from './engine.js';
export {
  ACL_COMMANDS, aclGrants, aclServerIds, formatAcl, isValidAcl, parseAcl, removeServerFromAcl,
  type Acl, type AclCommand, type AclEntry,
} from './acl.js';
export {
  DEFAULT_URI_LIMITS, childUri, escapeSegment, formatDmUri, parseDmUri, resolveUriLimits,
  type DmUri, type UriLimits, type UriQuery,
} from './uri.js';
export {
  ACCESS_TYPES, DF_FORMATS, OCCURRENCES, findChildDescription, isPlaceholder, maxOccurrence, minOccurrence, storedFormat,
  type AccessType, type DfFormat, type MoDescription, type NodeDescription, type Occurrence,
} from './description.js';
export type {
  ExecContext, ExecHandler, ExecReport, ExecResult, GenericAlert, NodeValue, NodeValueProvider, ValueSource, ValueWriteContext,
} from './hooks.js';
export { PROPERTY_NAMES, type PropertyName } from './properties.js';
export { TNDS_FIELDS, TNDS_WBXML_TYPE, TNDS_XML_TYPE, isTndsType, parseTnds, parseTndsSelection, type TndsField, type TndsNode } from './tnds.js';
export { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotNode, type TreeSnapshot } from './snapshot.js';
export { InMemoryTreeStore, loadTree, type TreeStore } from './store.js';
export { FileTreeStore, type FileTreeStoreOptions } from './file-store.js';
export {
  AclSyntaxError, SnapshotCorruptError, TndsError, TreeStoreError, TreeUsageError, UriSyntaxError, UriTooLongError,
} from './errors.js';
