import { z } from 'zod';

export const signInSchema = z.object({ token: z.string().min(1, 'enter the admin token').max(1000) });

export const sessionStateSchema = z.object({
  authenticated: z.boolean(),
  expires_at: z.string().nullable(),
});
export type SessionState = z.infer<typeof sessionStateSchema>;
