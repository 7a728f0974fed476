// Schemas shared by every kind: object names and metadata.
import { z } from 'zod';

export const namePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const objectName = z
  .string()
  .regex(namePattern, 'a lower-case name of 1-63 letters, digits and dashes, starting and ending with a letter or digit');

export const labelMap = z.record(z.string().min(1).max(253), z.string().max(253));

export const metadataSchema = z.strictObject({
  name: objectName,
  displayName: z.string().min(1).max(200).optional(),
  labels: labelMap.optional(),
  annotations: z.record(z.string().min(1), z.string()).optional(),
});

export const url = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
