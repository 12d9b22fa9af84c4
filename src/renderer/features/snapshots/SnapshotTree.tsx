/**
 * The snapshot tree: thumbnails, names and times, the current-state marker, keyboard navigation
 * (Up/Down move, Left/Right collapse/expand, Enter activates) with one tab stop (roving focus).
 */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useMemo, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { SnapshotRow } from '../../platform/models.js';
import { CurrentIcon, WarningIcon } from '../../components/icons.js';
import { buildSnapshotTree, flattenSnapshotTree } from './tree.js';

/** Props of the snapshot tree. */
export interface SnapshotTreeProps {
  readonly rows: readonly SnapshotRow[];
  readonly currentId: string | null;
  readonly selectedId: string | null;
  /** Called with a snapshot id, or null for the current-state marker. */
  readonly onSelect: (id: string | null) => void;
  /** Enter or double-click on a snapshot (the owner offers restore). */
  readonly onActivate?: (id: string) => void;
}

/** The snapshot tree component. */
export function SnapshotTree({ rows, currentId, selectedId, onSelect, onActivate }: SnapshotTreeProps) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const tree = useMemo(() => buildSnapshotTree(rows, currentId), [rows, currentId]);
  const flat = useMemo(() => flattenSnapshotTree(tree, collapsed), [tree, collapsed]);
  const refs = useRef(new Map<string, HTMLDivElement>());
  const keyOf = (id: string | null): string => id ?? `current:${currentId !== null && rows.some((r) => r.id === currentId) ? currentId : ''}`;
  const selectedKey = keyOf(selectedId);
  const focusIndex = Math.max(0, flat.findIndex((item) => item.key === selectedKey));

  const select = (index: number): void => {
    const item = flat[index];
    if (!item) return;
    onSelect(item.node.kind === 'snapshot' ? item.node.row.id : null);
    refs.current.get(item.key)?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>, index: number): void => {
    const item = flat[index];
    if (!item) return;
    const id = item.node.kind === 'snapshot' ? item.node.row.id : undefined;
    const hasChildren = item.node.children.length > 0;
    let handled = true;
    if (event.key === 'ArrowDown') select(index + 1);
    else if (event.key === 'ArrowUp') select(index - 1);
    else if (event.key === 'Home') select(0);
    else if (event.key === 'End') select(flat.length - 1);
    else if (event.key === 'ArrowRight' && id && hasChildren && collapsed.has(id)) setCollapsed(new Set([...collapsed].filter((c) => c !== id)));
    else if (event.key === 'ArrowLeft' && id && hasChildren && !collapsed.has(id)) setCollapsed(new Set([...collapsed, id]));
    else if (event.key === 'Enter' && id) onActivate?.(id);
    else handled = false;
    if (handled) event.preventDefault();
  };

  if (flat.length === 0) return <Typography sx={{ color: 'text.secondary' }}>No snapshots yet.</Typography>;
  return (
    <Box role="tree" aria-label="Snapshots" sx={{ display: 'flex', flexDirection: 'column', gap: 0.25 }}>
      {flat.map((item, index) => {
        const node = item.node;
        const selected = item.key === selectedKey;
        const id = node.kind === 'snapshot' ? node.row.id : undefined;
        const expandable = node.kind === 'snapshot' && node.children.length > 0;
        return (
          <Box
            key={item.key}
            ref={(element: HTMLDivElement | null) => {
              if (element) refs.current.set(item.key, element);
              else refs.current.delete(item.key);
            }}
            role="treeitem"
            aria-level={item.depth + 1}
            aria-selected={selected}
            aria-expanded={expandable && id ? !collapsed.has(id) : undefined}
            data-snapshot-id={id ?? 'current'}
            tabIndex={index === focusIndex ? 0 : -1}
            onClick={() => select(index)}
            onDoubleClick={() => id && onActivate?.(id)}
            onKeyDown={(event) => onKeyDown(event, index)}
            sx={{
              display: 'flex',
              alignItems: 'center',
              gap: 1,
              pl: 1 + item.depth * 2.5,
              pr: 1,
              py: 0.5,
              borderRadius: 1,
              cursor: 'default',
              bgcolor: selected ? 'action.selected' : undefined,
              '&:hover': { bgcolor: selected ? 'action.selected' : 'action.hover' },
            }}
          >
            {node.kind === 'snapshot' ? (
              <>
                <Box
                  component={node.row.thumbnail ? 'img' : 'div'}
                  src={node.row.thumbnail}
                  alt=""
                  sx={{ width: 48, height: 36, objectFit: 'contain', bgcolor: '#000', borderRadius: 0.5, flex: 'none', imageRendering: 'pixelated' }}
                />
                <Box sx={{ minWidth: 0 }}>
                  <Typography variant="body2" noWrap sx={{ fontWeight: 500 }}>
                    {node.row.name}
                    {!node.row.loadable && <WarningIcon titleAccess={node.row.problem ?? 'Cannot be loaded'} sx={{ fontSize: 14, ml: 0.5, color: 'warning.main', verticalAlign: 'middle' }} />}
                  </Typography>
                  <Typography variant="caption" noWrap sx={{ color: "text.secondary", display: "block" }}>
                    {new Date(node.row.createdAt).toLocaleString()}
                  </Typography>
                </Box>
              </>
            ) : (
              <>
                <CurrentIcon sx={{ fontSize: 16, color: 'primary.main' }} />
                <Typography variant="body2" sx={{ fontStyle: 'italic' }}>
                  Current state
                </Typography>
              </>
            )}
          </Box>
        );
      })}
    </Box>
  );
}
