/** The machines table's network columns (migration 4) as NetworkSettings. */
import type { ForwardSetting, NetworkSettings } from '../shared/network-settings.js';

/** The network columns of a machines row. */
export interface NetworkColumns {
  network_mode: string;
  nic_model: string;
  mac: string;
  link_connected: number;
  forwards: string;
}

/** A machine row's network settings (columns of migration 4). */
export function networkFromRow(row: NetworkColumns): NetworkSettings {
  return {
    mode: row.network_mode as NetworkSettings['mode'],
    model: row.nic_model,
    mac: row.mac,
    connected: row.link_connected === 1,
    forwards: JSON.parse(row.forwards) as ForwardSetting[],
  };
}
