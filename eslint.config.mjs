// ESLint over the project's TypeScript: typescript-eslint's recommended rules (type-unaware),
// no stylistic rules (formatting is not linted). Run by `npm run lint`, part of `npm test`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["out/**", "node_modules/**", ".tools/**", ".vscode-test/**", "runtime/python/**", "test/fixtures/**", "**/*.js", "**/*.mjs", "**/*.cjs"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // Unused arguments and caught errors named with a leading underscore are deliberate.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
);
