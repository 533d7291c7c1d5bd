/** Splitting migration files into statements, each with the line it starts on. */
import { describe, expect, test } from '@jest/globals';
import { splitStatements } from '../src/migrations/sql-statements.js';

const lines = (sql: string, dialect: 'postgresql' | 'mysql' = 'postgresql') => splitStatements(sql, dialect).map((s) => [s.line, s.text]);

describe('PostgreSQL', () => {
  test('semicolons in strings, quoted names, comments and dollar-quoted bodies do not end a statement', () => {
    const sql = [
      '-- a comment; not a statement',
      "INSERT INTO t (a) VALUES ('x;y', 'it''s');",
      'CREATE TABLE "semi;colon" (id int);',
      '/* outer /* nested; */ still a comment; */ UPDATE t SET a = 1;',
      'CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN RETURN 1; END; $fn$ LANGUAGE plpgsql;',
      'DO $$ BEGIN PERFORM 1; END $$;',
      "SELECT E'a\\';b';"
    ].join('\n');
    expect(lines(sql)).toEqual([
      [2, "INSERT INTO t (a) VALUES ('x;y', 'it''s')"],
      [3, 'CREATE TABLE "semi;colon" (id int)'],
      [4, 'UPDATE t SET a = 1'],
      [5, 'CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN RETURN 1; END; $fn$ LANGUAGE plpgsql'],
      [6, 'DO $$ BEGIN PERFORM 1; END $$'],
      [7, "SELECT E'a\\';b'"]
    ]);
  });

  test('lines are counted through multi-line strings and comments; a last statement needs no semicolon', () => {
    expect(lines("/*\n\n*/\nINSERT INTO t VALUES ('a\nb');\n\n\nDELETE FROM t")).toEqual([
      [4, "INSERT INTO t VALUES ('a\nb')"],
      [8, 'DELETE FROM t']
    ]);
  });

  test('$1 is a parameter, not a dollar quote', () => {
    expect(lines('UPDATE t SET a = $1; DELETE FROM t')).toEqual([
      [1, 'UPDATE t SET a = $1'],
      [1, 'DELETE FROM t']
    ]);
  });
});

describe('MySQL', () => {
  test('# comments, backtick names, backslash escapes, and DELIMITER blocks', () => {
    const sql = [
      '# first; comment',
      "INSERT INTO `a;b` VALUES ('x\\';y');",
      'DELIMITER //',
      'CREATE TRIGGER t BEFORE INSERT ON o FOR EACH ROW BEGIN SET NEW.a = 1; END//',
      'DELIMITER ;',
      'TRUNCATE o;'
    ].join('\n');
    expect(lines(sql, 'mysql')).toEqual([
      [2, "INSERT INTO `a;b` VALUES ('x\\';y')"],
      [4, 'CREATE TRIGGER t BEFORE INSERT ON o FOR EACH ROW BEGIN SET NEW.a = 1; END'],
      [6, 'TRUNCATE o']
    ]);
  });

  test('an unterminated string ends the file without looping', () => {
    expect(lines("INSERT INTO t VALUES ('open", 'mysql')).toEqual([[1, "INSERT INTO t VALUES ('open"]]);
  });

  test('a DELIMITER line inside a statement ends the statement it holds, as the mysql client does', () => {
    const sql = [
      'delimiter d//',
      'CREATE PROCEDURE p() BEGIN SELECT 1; END;',
      'd//',
      "UPDATE `t_ds_user` SET tenant_id = '-1';",
      '',
      '  DELIMITER ;',
      'CALL p();',
      'INSERT INTO x VALUES (1);'
    ].join('\n');
    expect(lines(sql, 'mysql')).toEqual([
      [2, 'CREATE PROCEDURE p() BEGIN SELECT 1; END;'],
      [4, "UPDATE `t_ds_user` SET tenant_id = '-1';"],
      [7, 'CALL p()'],
      [8, 'INSERT INTO x VALUES (1)']
    ]);
  });

  test('a "delimiter" that is not the first word of its line is only a word', () => {
    expect(lines("SELECT 1 AS x, 'delimiter //' AS delimiter;\nINSERT INTO t VALUES (1);", 'mysql')).toEqual([
      [1, "SELECT 1 AS x, 'delimiter //' AS delimiter"],
      [2, 'INSERT INTO t VALUES (1)']
    ]);
  });
});
