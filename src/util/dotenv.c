/* dotenv: being built (see the open issues). */
