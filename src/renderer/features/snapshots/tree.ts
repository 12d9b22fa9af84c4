/** Builds the snapshot tree from flat rows (id, parentId) and places the current-state marker. */
import type { SnapshotRow } from '../../platform/models.js';

/** A node of the tree: a snapshot, or the "current state" marker (always a leaf). */
export type SnapshotNode =
  | { readonly kind: 'snapshot'; readonly row: SnapshotRow; readonly children: SnapshotNode[] }
  | { readonly kind: 'current'; readonly parentId: string | null; readonly children: SnapshotNode[] };

/**
 * Turns rows into a forest ordered by creation time. Rows whose parent is missing become roots
 * (a snapshot is never hidden because its parent row went away); cycles are broken at the row
 * found to close them. `currentId` is the snapshot the running state descends from; the
 * current-state marker is added as its last child (or as a root when null).
 */
export function buildSnapshotTree(rows: readonly SnapshotRow[], currentId: string | null): SnapshotNode[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const children = new Map<string | null, SnapshotRow[]>();
  for (const row of rows) {
    let parent = row.parentId !== null && byId.has(row.parentId) ? row.parentId : null;
    // Walk up to detect a cycle through this row; if found, make the row a root.
    const seen = new Set([row.id]);
    for (let up = parent; up !== null; up = byId.get(up)?.parentId ?? null) {
      if (seen.has(up)) {
        parent = null;
        break;
      }
      seen.add(up);
    }
    const list = children.get(parent) ?? [];
    list.push(row);
    children.set(parent, list);
  }
  const build = (parent: string | null): SnapshotNode[] => {
    const nodes: SnapshotNode[] = (children.get(parent) ?? [])
      .slice()
      .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name))
      .map((row) => ({ kind: 'snapshot', row, children: build(row.id) }));
    const markerHere = (currentId !== null && byId.has(currentId) ? currentId : null) === parent;
    if (markerHere) nodes.push({ kind: 'current', parentId: parent, children: [] });
    return nodes;
  };
  return build(null);
}

/** A node with its depth, in display order (depth-first), for a flat rendering of the tree. */
export interface FlatSnapshotNode {
  readonly node: SnapshotNode;
  readonly depth: number;
  readonly key: string;
}

/** Flattens a tree depth-first, skipping the children of collapsed snapshot ids. */
export function flattenSnapshotTree(nodes: readonly SnapshotNode[], collapsed: ReadonlySet<string> = new Set(), depth = 0): FlatSnapshotNode[] {
  const out: FlatSnapshotNode[] = [];
  for (const node of nodes) {
    const key = node.kind === 'snapshot' ? node.row.id : `current:${node.parentId ?? ''}`;
    out.push({ node, depth, key });
    if (node.kind === 'snapshot' && !collapsed.has(node.row.id)) out.push(...flattenSnapshotTree(node.children, collapsed, depth + 1));
  }
  return out;
}

/** Ids of a snapshot and all its descendants (what deleting a branch would remove). */
export function descendantIds(rows: readonly SnapshotRow[], id: string): string[] {
  const out = [id];
  for (let i = 0; i < out.length; i++) for (const row of rows) if (row.parentId === out[i] && !out.includes(row.id)) out.push(row.id);
  return out;
}
