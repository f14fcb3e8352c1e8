// Types for saxen (ships none): the SAX parser's events this project's tests use.
declare module 'saxen' {
  export class Parser {
    constructor (options?: { proxy?: boolean })
    on (event: 'openTag', handler: (name: string, getAttrs: () => Record<string, string>, decodeEntities: (s: string) => string, selfClosing: boolean) => void): this
    on (event: 'closeTag', handler: (name: string) => void): this
    on (event: 'text', handler: (text: string, decodeEntities: (s: string) => string) => void): this
    on (event: 'error' | 'warn', handler: (error: Error) => void): this
    parse (xml: string): this
  }
}
