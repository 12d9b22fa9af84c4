/**
 * The media library view: every ISO, floppy and disk image the library knows, which machines
 * use it, and missing files marked (never silently dropped). Images are added by path.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { MachineSummary, MediaItem, WatchedFolder } from '../../platform/models.js';
import { DiscIcon, DiskIcon, FloppyIcon, FolderIcon } from '../../components/icons.js';

/** Props of the media library view. */
export interface MediaLibraryProps {
  readonly media: readonly MediaItem[];
  readonly machines: readonly MachineSummary[];
  readonly onAdd?: (path: string) => void;
  readonly onRemove?: (id: string) => void;
  readonly folders?: readonly WatchedFolder[];
  readonly onAddFolder?: (path: string) => void;
  readonly onRemoveFolder?: (path: string) => void;
}

/** Bytes as a short human size. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

const kindNames = { cdrom: 'CD/DVD image', floppy: 'Floppy image', disk: 'Disk image' } as const;
const kindIcons = { cdrom: DiscIcon, floppy: FloppyIcon, disk: DiskIcon } as const;

/** The media library component. */
export function MediaLibrary({ media, machines, onAdd, onRemove, folders = [], onAddFolder, onRemoveFolder }: MediaLibraryProps) {
  const [path, setPath] = useState('');
  const [folder, setFolder] = useState('');
  const missing = media.filter((item) => !item.present).length;
  const usedBy = (id: string): string[] => machines.filter((machine) => machine.config.drives.some((drive) => drive.mediaId === id)).map((machine) => machine.config.name);
  return (
    <Box sx={{ flex: 1, overflow: 'auto', p: 3, display: 'flex', flexDirection: 'column', gap: 2 }} role="region" aria-label="Media library">
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }} component="form" onSubmit={(event) => (event.preventDefault(), path.trim() && onAdd?.(path.trim()), setPath(''))}>
        <TextField size="small" label="Add an image file by path" placeholder="/home/me/ISOs/install.iso" value={path} onChange={(event) => setPath(event.target.value)} sx={{ flex: 1, maxWidth: 640 }} slotProps={{ inputLabel: { shrink: true } }} />
        <Button type="submit" variant="outlined" disabled={!path.trim() || !onAdd}>
          Add
        </Button>
      </Box>
      {onAddFolder && (
        <Box component="section" aria-label="Watched folders" sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
          <Typography variant="overline" sx={{ color: 'text.secondary', lineHeight: 1.5 }}>
            Watched folders — image files in them join the library and follow the disk
          </Typography>
          {folders.map((item) => (
            <Box key={item.path} sx={{ display: 'flex', alignItems: 'center', gap: 1 }} data-folder={item.path}>
              <FolderIcon fontSize="small" sx={{ color: 'text.secondary' }} />
              <Typography variant="body2" sx={{ flex: 1 }}>
                {item.path}
                {item.isDefault ? ' (library folder)' : ''}
              </Typography>
              {!item.isDefault && onRemoveFolder && (
                <Button size="small" color="inherit" onClick={() => onRemoveFolder(item.path)} aria-label={`Stop watching ${item.path}`}>
                  Stop watching
                </Button>
              )}
            </Box>
          ))}
          <Box component="form" sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }} onSubmit={(event) => (event.preventDefault(), folder.trim() && onAddFolder(folder.trim()), setFolder(''))}>
            <TextField size="small" label="Watch a folder" placeholder="/home/me/ISOs" value={folder} onChange={(event) => setFolder(event.target.value)} sx={{ flex: 1, maxWidth: 640 }} slotProps={{ inputLabel: { shrink: true } }} />
            <Button type="submit" variant="outlined" disabled={!folder.trim()}>
              Watch
            </Button>
          </Box>
        </Box>
      )}
      {missing > 0 && (
        <Alert severity="warning" data-testid="missing-media">
          {missing === 1 ? 'One image file is missing' : `${missing} image files are missing`}: it was moved or deleted outside Hangar. Put it back, or remove it from the library.
        </Alert>
      )}
      {media.length === 0 ? (
        <Typography sx={{ color: 'text.secondary' }}>No media yet. Add an ISO or floppy image above, or put files in a watched folder.</Typography>
      ) : (
        <Table size="small" aria-label="Media">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>Kind</TableCell>
              <TableCell>Size</TableCell>
              <TableCell>Operating system</TableCell>
              <TableCell>Used by</TableCell>
              <TableCell>Status</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {media.map((item) => {
              const Icon = kindIcons[item.kind];
              return (
                <TableRow key={item.id} data-media-id={item.id} data-present={item.present ? 'true' : 'false'} sx={item.present ? undefined : { '& td': { color: 'text.disabled' } }}>
                  <TableCell>
                    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
                      <Icon fontSize="small" sx={{ color: 'text.secondary' }} />
                      <Box>
                        <Typography variant="body2" sx={{ fontWeight: 500 }}>
                          {item.path.split('/').pop()}
                        </Typography>
                        <Typography variant="caption" sx={{ color: 'text.secondary' }}>
                          {item.path}
                        </Typography>
                      </Box>
                    </Box>
                  </TableCell>
                  <TableCell>{kindNames[item.kind]}</TableCell>
                  <TableCell>{formatSize(item.sizeBytes)}</TableCell>
                  <TableCell>{item.osName ?? '—'}</TableCell>
                  <TableCell>{usedBy(item.id).join(', ') || '—'}</TableCell>
                  <TableCell>{item.present ? <Chip size="small" label="Available" variant="outlined" /> : <Chip size="small" color="error" label="Missing" />}</TableCell>
                  <TableCell align="right">
                    {onRemove && (
                      <Button size="small" color="inherit" onClick={() => onRemove(item.id)} aria-label={`Remove ${item.path.split('/').pop() ?? ''} from the library`}>
                        Remove
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}
