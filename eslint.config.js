import neostandard from 'neostandard'

// SQL is written in db/ only (its repositories): the rest of the code calls them.
const sqlOnlyInDb = {
  files: ['src/**/*.ts', 'seeds/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      paths: [{ name: 'drizzle-orm', importNames: ['sql'], message: 'Write SQL in a repository under db/repos/.' }],
      patterns: [{ group: ['**/db/statements.js', '**/db/statements'], message: 'Statements are built in the repositories under db/repos/.' }]
    }],
    'no-restricted-syntax': ['error', {
      selector: 'TaggedTemplateExpression[tag.name=/^(sql|statement)$/]',
      message: 'Write SQL in a repository under db/repos/.'
    }]
  }
}

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'data/**', '.tap/**', 'coverage/**'] }),
  sqlOnlyInDb
]
