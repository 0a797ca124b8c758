/** Output widths a client may ask for; height follows the card's 63% ratio (969/1536). No imports: the error table reads it. */
export const ALLOWED_WIDTHS = [1536, 1152, 768, 512, 384, 256, 128] as const;
