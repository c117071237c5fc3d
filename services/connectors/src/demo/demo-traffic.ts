import {
  clients,
  costCodes,
  employees,
  projects,
  vendors,
  type Project,
} from './construction-world';
import { Random } from './random';

/** One message as a connector would publish it to INGEST. */
export interface DemoMessage {
  /** NATS subject `ingest.<source>.<type>`. */
  readonly subject: string;
  /** The envelope JSON bytes (or deliberately broken bytes). */
  readonly body: Uint8Array;
  /** `<source>:<id>`, for JetStream deduplication. */
  readonly msgId: string;
  /** What the message was made to be: a valid envelope or one kind of bad one. */
  readonly intended: DemoIntent;
}

export type DemoIntent =
  | 'valid'
  | 'malformed'
  | 'unknown_contract'
  | 'schema_violation'
  | 'ownership_violation'
  | 'too_large';

export interface DemoTrafficOptions {
  readonly seed?: number;
  /** Share of bad messages, default 0.1. */
  readonly badShare?: number;
  readonly now?: () => Date;
}

export interface DemoTraffic {
  next(): DemoMessage;
}

/** A business event before it is wrapped in an envelope. */
interface DemoEvent {
  readonly source: string;
  readonly type: string;
  readonly version: number;
  /** The data field holding the business key (used to make schema violations). */
  readonly key: string;
  readonly data: Record<string, unknown>;
  readonly project: Project;
  readonly correlation: string;
}

/** A flow step waiting to be played: released after `due` more messages. */
interface FollowUp {
  due: number;
  readonly make: () => DemoEvent[];
}

const badMix: readonly [Exclude<DemoIntent, 'valid'>, number][] = [
  ['schema_violation', 0.45],
  ['ownership_violation', 0.2],
  ['malformed', 0.18],
  ['unknown_contract', 0.15],
  ['too_large', 0.02],
];

const encoder = new TextEncoder();
const uri = (type: string, version: number) =>
  `https://schemas.plumbline.dev/contracts/${type}/v${version}.json`;

/**
 * Encodes into large shared slabs instead of allocating one small buffer per message: the
 * benchmark generates 200k envelopes and per-message allocation dominated. Each body is its own
 * view and is never overwritten.
 */
function slabEncoder(slabBytes = 1 << 20): (text: string) => Uint8Array {
  let slab = new Uint8Array(slabBytes);
  let offset = 0;
  return (text) => {
    const worst = text.length * 3;
    if (worst > slabBytes) return encoder.encode(text);
    if (offset + worst > slab.length) {
      slab = new Uint8Array(slabBytes);
      offset = 0;
    }
    const { written } = encoder.encodeInto(text, slab.subarray(offset));
    const body = slab.subarray(offset, offset + written);
    offset += written;
    return body;
  };
}

/**
 * The oversized notes of a too_large message, JSON-encoded once: ~310 KB is over the 256 KiB
 * default limit; document revisions may be up to 1 MiB, so theirs is bigger.
 */
const encodedNotes = (repeat: number) => {
  let bytes: Uint8Array | undefined;
  return () =>
    (bytes ??= encoder.encode(JSON.stringify('Transmittal cover note. '.repeat(repeat))));
};
const hugeNarration = encodedNotes(13_000);
const hugerNarration = encodedNotes(46_000);
const closingBraces = encoder.encode('}}');
const largeLimitTypes = new Set(['document_revision.issued']);

/** A money or quantity field each contract bounds below, to make `negative amount` violations. */
const nonNegativeField: Readonly<Record<string, string>> = {
  'budget.revised': 'revised_amount',
  'commitment.updated': 'committed_amount',
  'goods_receipt.recorded': 'received_value',
  'invoice.posted': 'amount_total',
  'opportunity.won': 'expected_value',
  'payment.recorded': 'amount',
  'project.upserted': 'contract_value',
  'purchase_order.approved': 'amount_total',
  'staffing.approved': 'headcount',
  'timesheet.approved': 'hours',
  'vendor_bill.posted': 'amount_total',
  'work_order.completed': 'labor_hours',
};

/** Event types no contract exists for, as a connector upgraded ahead of the registry sends them. */
const unregisteredTypes: readonly (readonly [source: string, type: string])[] = [
  ['costctl', 'change_order.voided'],
  ['odoo', 'purchase_order.cancelled'],
  ['fieldservice', 'site_diary.submitted'],
];

/**
 * Realistic construction traffic, deterministic for a seed: change orders flowing from cost
 * control through Odoo into commitments and billing, purchase-to-pay, timesheets to invoices,
 * opportunities to projects, document revisions to procurement reviews, and everyday events
 * (milestones, work orders, budgets). Some flows are left unfinished; `badShare` of the messages
 * are broken in the ways connectors really break.
 */
export function createDemoTraffic(options: DemoTrafficOptions = {}): DemoTraffic {
  const seed = options.seed ?? Date.now() % 2_147_483_647;
  const random = new Random(seed);
  const badShare = options.badShare ?? 0.1;
  const now = options.now ?? (() => new Date());
  const run = seed.toString(36);
  let counter = 0;
  let sequence = 0;
  const ready: DemoEvent[] = [];
  const waiting: FollowUp[] = [];
  const nextRef = (digits: number) => {
    sequence += 1;
    return String(sequence % 10 ** digits).padStart(digits, '0');
  };

  const project = () => random.pick(projects);
  const event = (
    source: string,
    type: string,
    key: string,
    p: Project,
    correlation: string,
    data: Record<string, unknown>,
    version = 1,
    projectScoped = true,
  ): DemoEvent => ({
    source,
    type,
    key,
    version,
    project: p,
    correlation,
    data: projectScoped ? { project_ref: p.ref, ...data } : data,
  });
  const later = (min: number, max: number, make: () => DemoEvent[]) => {
    if (random.chance(0.08)) return; // flows that never finish: what Plumbline exists to notice
    waiting.push({ due: random.int(min, max), make });
  };
  // toISOString is slow next to everything else here: format each distinct millisecond once.
  let lastMs = Number.NaN;
  let lastIso = '';
  const isoNow = () => {
    const date = now();
    const ms = date.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = date.toISOString();
    }
    return lastIso;
  };
  const encode = slabEncoder();
  const today = () => isoNow().slice(0, 10);
  const currency = (p: Project) => p.tenant.currency;

  const starters: readonly [number, () => DemoEvent[]][] = [
    [
      3,
      () => {
        // Change order: submitted (cost control) → approved (Odoo) → commitment → billing.
        const p = project();
        const ref = `CO-${nextRef(5)}`;
        const amount = random.amount(2_000, 400_000) * (random.chance(0.1) ? -1 : 1);
        const corr = `co-${run}-${ref}`;
        const title = random.pick([
          'Added fire dampers',
          'Revised footing design',
          'Owner-requested finish upgrade',
          'Rock excavation',
          'Additional data outlets',
        ]);
        later(2, 20, () => {
          later(3, 30, () => {
            later(3, 40, () => [
              event('odoo', 'billing.adjusted', 'adjustment_ref', p, corr, {
                adjustment_ref: `BA-${nextRef(5)}`,
                change_order_ref: ref,
                amount_delta: amount,
                currency: currency(p),
                effective_date: today(),
              }),
            ]);
            return [
              event('costctl', 'commitment.updated', 'commitment_ref', p, corr, {
                commitment_ref: `SC-${nextRef(5)}`,
                cost_code: random.pick(costCodes),
                vendor_ref: random.pick(vendors),
                change_order_ref: ref,
                committed_amount: Math.abs(amount) * 0.8,
                delta_amount: amount * 0.8,
                currency: currency(p),
              }),
            ];
          });
          const version = random.chance(0.8) ? 2 : 1;
          return [
            event(
              'odoo',
              'change_order.approved',
              'change_order_ref',
              p,
              corr,
              {
                change_order_ref: ref,
                title,
                amount,
                currency: currency(p),
                cost_code: random.pick(costCodes),
                schedule_impact_days: random.int(0, 21),
                approved_by: 'Client representative',
                date_approved: isoNow(),
                ...(version === 2
                  ? {
                      reason_code: random.pick([
                        'owner_request',
                        'design_error',
                        'unforeseen_condition',
                      ]),
                    }
                  : {}),
              },
              version,
            ),
          ];
        });
        return [
          event('costctl', 'change_order.submitted', 'change_order_ref', p, corr, {
            change_order_ref: ref,
            title,
            estimated_amount: amount,
            currency: currency(p),
            submitted_by: 'Project manager',
            date_submitted: isoNow(),
          }),
        ];
      },
    ],
    [
      3,
      () => {
        // Purchase to pay: PO approved → goods received → vendor bill → payment.
        const p = project();
        const po = `P${nextRef(5)}`;
        const vendor = random.pick(vendors);
        const total = random.amount(1_500, 250_000);
        const corr = `po-${run}-${po}`;
        later(2, 25, () => {
          later(2, 25, () => {
            later(5, 40, () => [
              event('odoo', 'payment.recorded', 'payment_ref', p, corr, {
                payment_ref: `PAY/2026/${nextRef(5)}`,
                partner_id: p.partnerId,
                amount: total,
                currency: currency(p),
                payment_type: 'outbound',
                date: today(),
                reconciled_refs: [po],
              }),
            ]);
            return [
              event('odoo', 'vendor_bill.posted', 'bill_ref', p, corr, {
                bill_ref: `BILL/2026/${nextRef(5)}`,
                purchase_order_ref: po,
                vendor_ref: vendor,
                amount_total: total,
                currency: currency(p),
                invoice_date: today(),
                invoice_date_due: today(),
              }),
            ];
          });
          return [
            event('odoo', 'goods_receipt.recorded', 'receipt_ref', p, corr, {
              receipt_ref: `WH/IN/${nextRef(5)}`,
              purchase_order_ref: po,
              received_value: total,
              currency: currency(p),
              date_done: isoNow(),
              partial: random.chance(0.15),
            }),
          ];
        });
        return [
          event('odoo', 'purchase_order.approved', 'purchase_order_ref', p, corr, {
            purchase_order_ref: po,
            vendor_ref: vendor,
            cost_code: random.pick(costCodes),
            amount_untaxed: Math.round((total / 1.08) * 100) / 100,
            amount_total: total,
            currency: currency(p),
            date_approve: isoNow(),
            approved_by: 'procurement.lead',
            line_count: random.int(1, 40),
          }),
        ];
      },
    ],
    [
      5,
      () => {
        // Timesheets (payroll) → a time-and-materials invoice (Odoo).
        const p = project();
        const corr = `ts-${run}-${p.ref}-${nextRef(4)}`;
        const sheets = Array.from({ length: random.int(2, 5) }, () => {
          const version = random.chance(0.7) ? 2 : 1;
          const hours = random.int(16, 50);
          return event(
            'payroll',
            'timesheet.approved',
            'timesheet_ref',
            p,
            corr,
            {
              timesheet_ref: `TS-${nextRef(6)}`,
              employee_ref: random.pick(employees),
              cost_code: random.pick(costCodes),
              week_ending: today(),
              hours,
              overtime_hours: Math.max(0, hours - 40),
              hourly_rate: random.int(38, 95),
              national_id: `${random.int(100, 899)}-${random.int(10, 99)}-${random.int(1000, 9999)}`,
              billable: true,
              ...(version === 2 && random.chance(0.3) ? { union_local: 'Local 46' } : {}),
            },
            version,
          );
        });
        later(3, 30, () => [
          event(
            'odoo',
            'invoice.posted',
            'invoice_ref',
            p,
            corr,
            {
              invoice_ref: `INV/2026/${nextRef(5)}`,
              partner_id: p.partnerId,
              amount_untaxed: random.amount(5_000, 60_000),
              amount_total: random.amount(5_400, 65_000),
              currency: currency(p),
              invoice_date: today(),
              invoice_date_due: today(),
              billing_type: 'time_and_materials',
              timesheet_refs: sheets.map((sheet) => sheet.data.timesheet_ref),
            },
            2,
          ),
        ]);
        return sheets;
      },
    ],
    [
      1,
      () => {
        // Opportunity won (CRM) → project created (Odoo) → staffing approved (scheduling).
        const p = project();
        const opp = `OPP-${nextRef(5)}`;
        const corr = `opp-${run}-${opp}`;
        const value = random.amount(2_000_000, 60_000_000);
        later(3, 30, () => {
          later(5, 40, () => [
            event('scheduler', 'staffing.approved', 'staffing_ref', p, corr, {
              staffing_ref: `ST-${nextRef(5)}`,
              opportunity_ref: opp,
              headcount: random.int(4, 60),
              start_date: today(),
              roles: ['Project manager', 'Superintendent', 'Project engineer'],
            }),
          ]);
          return [
            event('odoo', 'project.upserted', 'project_ref', p, corr, {
              name: p.name,
              partner_id: p.partnerId,
              analytic_account_id: p.partnerId + 500,
              opportunity_ref: opp,
              contract_value: value,
              currency: currency(p),
              stage: 'awarded',
              date_start: today(),
            }),
          ];
        });
        return [
          event(
            'crm',
            'opportunity.won',
            'opportunity_ref',
            p,
            corr,
            {
              opportunity_ref: opp,
              client_name: random.pick(clients),
              expected_value: value,
              currency: currency(p),
              sector: random.pick(['healthcare', 'education', 'commercial', 'infrastructure']),
              won_at: isoNow(),
              owner_email: 'bd.lead@example.com',
            },
            1,
            false,
          ),
        ];
      },
    ],
    [
      2,
      () => {
        // Document revision issued → procurement review.
        const p = project();
        const rev = `${random.pick(['A', 'S', 'M', 'E'])}-${random.int(100, 599)}-C${String(random.int(1, 9)).padStart(2, '0')}`;
        const corr = `doc-${run}-${rev}-${nextRef(4)}`;
        const needsReview = random.chance(0.4);
        if (needsReview) {
          later(3, 30, () => [
            event('doccontrol', 'procurement_review.completed', 'review_ref', p, corr, {
              review_ref: `PR-${nextRef(5)}`,
              document_revision_ref: rev,
              outcome: random.pick(['no_impact', 'price_change', 'new_package']),
              reviewer: 'Procurement',
              completed_at: isoNow(),
            }),
          ]);
        }
        return [
          event('doccontrol', 'document_revision.issued', 'revision_ref', p, corr, {
            revision_ref: rev,
            title: 'Level 2 floor plan',
            discipline: random.pick(['architectural', 'structural', 'mechanical', 'electrical']),
            status: random.pick(['for_review', 'for_construction']),
            transmittal_ref: `TR-${nextRef(5)}`,
            issued_at: isoNow(),
            requires_procurement_review: needsReview,
          }),
        ];
      },
    ],
    [
      4,
      () => {
        const p = project();
        return [
          event(
            'fieldservice',
            'work_order.completed',
            'work_order_ref',
            p,
            `wo-${run}-${nextRef(6)}`,
            {
              work_order_ref: `WO-${nextRef(6)}`,
              cost_code: random.pick(costCodes),
              technician_id: `T-${random.int(100, 160)}`,
              labor_hours: random.int(1, 10),
              materials_cost: random.amount(20, 4_000),
              currency: currency(p),
              completed_at: isoNow(),
              customer_signature: random.chance(0.9),
              site_contact_phone: '+1 555 0100',
            },
          ),
        ];
      },
    ],
    [
      2,
      () => {
        const p = project();
        const variance = random.int(-5, 30);
        return [
          event('scheduler', 'milestone.changed', 'milestone_ref', p, `ms-${run}-${nextRef(5)}`, {
            milestone_ref: `MS-${nextRef(5)}`,
            name: random.pick([
              'Foundations complete',
              'Topping out',
              'Building dried in',
              'Substantial completion',
            ]),
            status: variance > 10 ? 'at_risk' : random.pick(['planned', 'achieved']),
            planned_date: today(),
            forecast_date: today(),
            variance_days: variance,
            billing_milestone: random.chance(0.3),
          }),
        ];
      },
    ],
    [
      1,
      () => {
        const p = project();
        const previous = random.amount(50_000, 2_000_000);
        return [
          event('costctl', 'budget.revised', 'revision_ref', p, `br-${run}-${nextRef(5)}`, {
            revision_ref: `BR-${nextRef(5)}`,
            cost_code: random.pick(costCodes),
            previous_amount: previous,
            revised_amount: Math.round(previous * (0.9 + random.next() * 0.3) * 100) / 100,
            currency: currency(p),
            reason: 'Monthly cost-to-complete review',
          }),
        ];
      },
    ],
    [
      1,
      () => {
        const p = project();
        return [
          event(
            'odoo',
            'invoice.posted',
            'invoice_ref',
            p,
            `inv-${run}-${nextRef(5)}`,
            {
              invoice_ref: `INV/2026/${nextRef(5)}`,
              partner_id: p.partnerId,
              amount_untaxed: random.amount(80_000, 1_500_000),
              amount_total: random.amount(85_000, 1_600_000),
              currency: currency(p),
              invoice_date: today(),
              billing_type: 'progress',
              retention_amount: random.amount(4_000, 75_000),
              application_number: random.int(1, 24),
            },
            2,
          ),
        ];
      },
    ],
    [
      1,
      () => {
        // Master data: a vendor changed in Odoo, a cost code in cost control.
        const p = project();
        if (random.chance(0.6)) {
          const vendor = random.pick(vendors);
          return [
            event(
              'odoo',
              'vendor.upserted',
              'vendor_ref',
              p,
              `md-${run}-${vendor}-${nextRef(4)}`,
              {
                vendor_ref: vendor,
                name: random.pick([
                  'Apex Concrete Inc.',
                  'Brightline Electrical',
                  'Summit Steel Erectors',
                  'Clearwater Plumbing',
                ]),
                trade: random.pick(['concrete', 'electrical', 'steel', 'plumbing']),
                bank_account: `US${random.int(10, 99)}0000${random.int(10_000_000, 99_999_999)}`,
                email: 'ap@vendor.example.com',
                active: true,
              },
              1,
              false,
            ),
          ];
        }
        const code = random.pick(costCodes);
        return [
          event(
            'costctl',
            'cost_code.upserted',
            'cost_code',
            p,
            `md-${run}-${code}-${nextRef(4)}`,
            {
              cost_code: code,
              description: 'Cost code maintained by cost control',
              cost_type: random.pick(['labor', 'material', 'subcontract']),
            },
            1,
            false,
          ),
        ];
      },
    ],
  ];
  const starterWeight = starters.reduce((sum, [weight]) => sum + weight, 0);

  function nextEvent(): DemoEvent {
    for (;;) {
      const queued = ready.shift();
      if (queued !== undefined) return queued;
      for (let i = waiting.length - 1; i >= 0; i -= 1) {
        const followUp = waiting[i]!;
        followUp.due -= 1;
        if (followUp.due <= 0) {
          waiting.splice(i, 1);
          ready.push(...followUp.make());
        }
      }
      if (ready.length > 0) continue;
      let roll = random.next() * starterWeight;
      for (const [weight, start] of starters) {
        roll -= weight;
        if (roll < 0) {
          ready.push(...start());
          break;
        }
      }
    }
  }

  function envelope(
    e: DemoEvent,
    overrides: Record<string, unknown> = {},
  ): { id: string; body: Record<string, unknown> } {
    counter += 1;
    const id = `${e.source}-${run}-${counter.toString(36)}`;
    return {
      id,
      body: {
        specversion: '1.0',
        id,
        source: e.source,
        type: e.type,
        time: isoNow(),
        dataschema: uri(e.type, e.version),
        datacontenttype: 'application/json',
        subject: String(e.data[e.key]),
        correlationid: e.correlation,
        tenant: e.project.tenant.id,
        region: e.project.tenant.region,
        data: e.data,
        ...overrides,
      },
    };
  }

  const message = (
    source: string,
    type: string,
    id: string,
    body: Uint8Array,
    intended: DemoIntent,
  ): DemoMessage => ({
    subject: `ingest.${source}.${type}`,
    body,
    msgId: `${source}:${id}`,
    intended,
  });

  function bad(kind: Exclude<DemoIntent, 'valid'>): DemoMessage {
    const e = nextEvent();
    switch (kind) {
      case 'schema_violation': {
        const variant = random.int(0, 3);
        const data = { ...e.data };
        const bounded = nonNegativeField[e.type];
        if (variant === 0)
          data[e.key] = 424_242; // a number where a reference string belongs
        else if (variant === 1 || (variant === 3 && bounded === undefined))
          delete data[e.key]; // the required business key left out
        else if (variant === 2)
          data.legacy_status_code = 'X9'; // a field the contract does not allow
        else if (bounded !== undefined) data[bounded] = -1 * (random.int(1, 5_000) + 0.5); // negative amount
        const { id, body } = envelope({ ...e, data });
        return message(e.source, e.type, id, encode(JSON.stringify(body)), kind);
      }
      case 'ownership_violation': {
        const intruder = e.source === 'odoo' ? 'costctl' : 'odoo';
        const { id, body } = envelope(e, { source: intruder });
        return message(intruder, e.type, id, encode(JSON.stringify(body)), kind);
      }
      case 'malformed': {
        const { id, body } = envelope(e);
        const text = JSON.stringify(body);
        return message(
          e.source,
          e.type,
          id,
          encode(text.slice(0, Math.floor(text.length * 0.6))),
          kind,
        );
      }
      case 'unknown_contract': {
        if (random.chance(0.5)) {
          // A version of a known type that was never registered.
          const { id, body } = envelope(e, { dataschema: uri(e.type, 9) });
          return message(e.source, e.type, id, encode(JSON.stringify(body)), kind);
        }
        // A type no contract exists for at all.
        const [source, type] = random.pick(unregisteredTypes);
        const { id, body } = envelope({ ...e, source, type });
        return message(source, type, id, encode(JSON.stringify(body)), kind);
      }
      case 'too_large': {
        // The envelope with an empty `narration` as the last data field, then the oversized
        // notes spliced in as bytes: re-serializing 300 KB per message would dominate the run.
        const { id, body } = envelope({ ...e, data: { ...e.data, narration: '' } });
        const text = JSON.stringify(body);
        const tail = '""}}';
        if (!text.endsWith(tail)) throw new Error('too_large: narration is not the last field');
        const head = encoder.encode(text.slice(0, -tail.length));
        const notes = largeLimitTypes.has(e.type) ? hugerNarration() : hugeNarration();
        const bytes = new Uint8Array(head.length + notes.length + 2);
        bytes.set(head, 0);
        bytes.set(notes, head.length);
        bytes.set(closingBraces, head.length + notes.length);
        return message(e.source, e.type, id, bytes, kind);
      }
    }
  }

  return {
    next() {
      if (random.chance(badShare)) {
        let roll = random.next();
        for (const [kind, share] of badMix) {
          roll -= share;
          if (roll < 0) return bad(kind);
        }
        return bad('schema_violation');
      }
      const e = nextEvent();
      const { id, body } = envelope(e);
      return message(e.source, e.type, id, encode(JSON.stringify(body)), 'valid');
    },
  };
}
