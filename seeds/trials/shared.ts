// What several seed trials take alike, each use explained where it is made.

/**
 * The IANA time zone of every seed site: all five records locate their trial in China
 * (Beijing, Nanjing, Hefei, Guangzhou, Shenzhen), which keeps one civil time, UTC+8, all year.
 * The records name the country, not the zone.
 */
export const CHINA = 'Asia/Shanghai'

/** "At least possibly related": possible, probable or definite. */
export const RELATED = ['possible', 'probable', 'definite'] as const
