/** The fixed world the demo traffic plays in: three legal entities, their projects, vendors, people. */

export interface Tenant {
  readonly id: string;
  readonly region: string;
  readonly currency: string;
}

export const tenants: readonly Tenant[] = [
  { id: 'acme-build-us', region: 'us-west', currency: 'USD' },
  { id: 'acme-build-ca', region: 'ca-central', currency: 'CAD' },
  { id: 'northwind-infra', region: 'us-east', currency: 'USD' },
];

export interface Project {
  readonly ref: string;
  readonly name: string;
  readonly tenant: Tenant;
  readonly partnerId: number;
  readonly contractValue: number;
}

const projectNames = [
  'Riverside Medical Center',
  'Harbor Point Office Tower',
  'Cedar Valley High School',
  'Route 9 Bridge Rehabilitation',
  'Northgate Logistics Hub',
  'Lakeshore Water Treatment Plant',
  'Maple Street Mixed-Use',
  'Summit Data Center Phase 2',
  'Eastside Transit Station',
  'Willow Creek Senior Living',
  'Granite Ridge Substation',
  'University Science Building',
];

export const projects: readonly Project[] = projectNames.map((name, index) => ({
  ref: `PRJ-2026-${String(11 + index * 3).padStart(3, '0')}`,
  name,
  tenant: tenants[index % tenants.length] ?? tenants[0]!,
  partnerId: 1_200 + index,
  contractValue: 4_000_000 + index * 2_750_000,
}));

export const vendors: readonly string[] = Array.from(
  { length: 24 },
  (_, index) => `V-${String(410 + index * 7).padStart(5, '0')}`,
);

export const costCodes: readonly string[] = [
  '01-5000', // Temporary facilities
  '03-3000', // Cast-in-place concrete
  '04-2000', // Unit masonry
  '05-1200', // Structural steel framing
  '07-5000', // Membrane roofing
  '08-4100', // Entrances and storefronts
  '09-2900', // Gypsum board
  '22-1100', // Facility water distribution
  '23-3000', // HVAC air distribution
  '26-0500', // Electrical common work
  '31-2300', // Excavation and fill
  '33-1100', // Water utility distribution
];

export const employees: readonly string[] = Array.from(
  { length: 40 },
  (_, index) => `E${String(10_100 + index * 13).padStart(5, '0')}`,
);

export const clients: readonly string[] = [
  'Riverside Health System',
  'Harbor Point Partners LLC',
  'Cedar Valley School District',
  'State Department of Transportation',
  'Northgate Properties',
  'City of Lakeshore',
];
