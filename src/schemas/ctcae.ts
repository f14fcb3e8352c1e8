// The CTCAE dictionary routes' response schema.
import { z } from 'zod'

const gradeText = z.string().nullable()
  .describe('NCI\'s description of this grade; null when NCI\'s text has not been imported on this server (npm run ctcae:import)')

export const ctcaeTermSchema = z.object({
  meddraCode: z.string().describe('MedDRA LLT code as printed in CTCAE v5.0'),
  term: z.string(),
  soc: z.string().describe('MedDRA system organ class'),
  otherSpecify: z.boolean().describe('an "Other, specify" term: an AE report must name the event in otherSpecify'),
  definition: z.string().nullable().describe('NCI\'s definition; null when none or not imported'),
  grades: z.partialRecord(z.enum(['1', '2', '3', '4', '5']), gradeText)
    .describe('one key per grade CTCAE v5.0 defines for the term (absent keys: grades that do not exist)')
}).meta({ id: 'CtcaeTerm' })
